"""Settings, logging and the administrators' YAML, validated on load."""
