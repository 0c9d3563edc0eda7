// Per-stage settings of the web UI. `aipm serve` serves this default (the
// API on the same origin); a deployment writes its own copy naming the stage's
// API, e.g. { apiBaseUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com" }.
window.AIPM_CONFIG = {
  apiBaseUrl: "",
};
