//! Creating the table (tests, `aipm migrate --store dynamodb`); SAM creates
//! it in AWS with the same definition.

use super::keys::*;
use super::{sdk_error, DynamoStore};
use aipm_core::error::{Error, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};

fn build<T, E: std::error::Error + Send + Sync + 'static>(
    r: std::result::Result<T, E>,
) -> Result<T> {
    r.map_err(|e| Error::permanent("building a DynamoDB request", e))
}

fn key_schema(hash: &str, range: &str) -> Result<Vec<KeySchemaElement>> {
    Ok(vec![
        build(
            KeySchemaElement::builder()
                .attribute_name(hash)
                .key_type(KeyType::Hash)
                .build(),
        )?,
        build(
            KeySchemaElement::builder()
                .attribute_name(range)
                .key_type(KeyType::Range)
                .build(),
        )?,
    ])
}

fn index(name: &str, hash: &str, range: &str) -> Result<GlobalSecondaryIndex> {
    build(
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .set_key_schema(Some(key_schema(hash, range)?))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build(),
    )
}

impl DynamoStore {
    /// Create the table with its two indexes, unless it exists.
    pub async fn create_table(&self) -> Result<()> {
        if self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        let mut definitions = Vec::new();
        for name in [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK] {
            definitions.push(build(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build(),
            )?);
        }
        self.client
            .create_table()
            .table_name(&self.table)
            .set_attribute_definitions(Some(definitions))
            .set_key_schema(Some(key_schema(PK, SK)?))
            .global_secondary_indexes(index(GSI1, GSI1PK, GSI1SK)?)
            .global_secondary_indexes(index(GSI2, GSI2PK, GSI2SK)?)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(sdk_error("creating the table"))?;
        Ok(())
    }
}

impl DynamoStore {
    /// Delete the table (tests clean up after themselves with it).
    pub async fn delete_table(&self) -> Result<()> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(sdk_error("deleting the table"))?;
        Ok(())
    }
}
