"""What every stage shares and nothing else owns: the canonical event, periods, hashing, file
storage and the one S3 client. Imports nothing else of this project, and never Dagster."""
