"""The generation core: pure, vectorised, streaming; imports numpy, pyarrow, faker and pydantic only."""
