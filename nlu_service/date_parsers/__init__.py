"""`/nlu/v2/date_parsers`: the pre-built generic date parser (dateparser)."""
