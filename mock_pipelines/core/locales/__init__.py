"""Locale and country data the generators sample from, kept apart from the generator logic (as Faker keeps
its providers' data apart from their methods): one module per generator family, plain literal tables and
nothing else. Most word lists come from Faker itself (:func:`mock_pipelines.core.vocab.faker_attr`); these
are the tables Faker lacks or that this project corrects."""
