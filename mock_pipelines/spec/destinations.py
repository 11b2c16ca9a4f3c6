"""What a destination may say, stated once: the profile model validates it and the stores act on it (a
profile never imports a store, so the vocabulary they share lives on the floor below both)."""

DESTINATION_FORMATS = ("parquet", "csv", "jsonl")  # formats a files destination lands tables in
DATASET_PLACEHOLDER = "{dataset}"  # in a SQL namespace template: the dataset's name
