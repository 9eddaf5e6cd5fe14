"""The monthly job as a typed API: config, planning, runner, manifest, journal and lock; prints nothing."""
