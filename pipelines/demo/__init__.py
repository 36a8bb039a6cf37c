"""Demo pipelines that fail the way real ones do (see `DemoConfig.scenario`)."""
