"""`/nlu/v2/dashboard`: every model a tenant has, with its revision history."""
