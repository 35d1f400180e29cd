"""`/nlu/v2/regex_entity_extractors`: tenant regex extractors, matched by RE2."""
