"""sklearn-compress."""
