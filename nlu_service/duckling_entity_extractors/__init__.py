"""`/nlu/v2/duckling_entity_extractors`: Duckling-style entities (time, number, money, ...)."""
