"""The core: configuration, storage, Redis, jobs, logging and the service container."""
