"""The fuzzing stage of the saga services: see Tests/Fuzz/README.md."""
