"""`/nlu/v2/sim_word_entity_extractors`: tenant seed words, matched by embedding similarity."""
