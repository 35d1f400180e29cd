"""`/nlu/v2/data_objects`: named JSON objects a tenant keeps beside its models."""
