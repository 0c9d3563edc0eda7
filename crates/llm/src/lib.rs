//! The LLM adapter: `aipm_core::quality::Llm` over any OpenAI-compatible
//! Chat Completions endpoint, through reqwest with rustls/ring.

mod client;

pub use client::LlmClient;
