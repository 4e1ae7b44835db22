"""Read models for the committee, built by a projector that follows every tenant log."""
