"""Enable entcore's test kit: fixtures such as ``entcore_app_factory``."""

pytest_plugins = ["entcore.testing"]
