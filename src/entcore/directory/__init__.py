"""The directory import engine: plan against the store, report, apply in one transaction."""
