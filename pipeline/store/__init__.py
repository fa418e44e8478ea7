"""The run folder: writing outputs, reading them back, the manifest and the stage cache."""
