"""The layered configuration and the typed readers that validate it."""
