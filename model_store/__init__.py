"""The model store: model records, samples, revisions (artifacts), trash and training jobs.

The only service that touches those tables; the others reach it over the internal HTTP API
described in `docs/internal-api.md`, through `shared.ModelStoreClient`.
"""
