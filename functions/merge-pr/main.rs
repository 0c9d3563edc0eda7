use aipm::api::{lambda, Operation};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::run(Operation::MergePr).await
}
