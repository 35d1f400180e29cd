"""`/nlu/v2/person_name_entity_extractors`: rule-based person-name extractors."""
