"""Locale and country data the generators sample from, kept apart from the generator logic (as Faker keeps
its providers' data apart from their methods): one module per generator family, plain literal tables and
nothing else. Most word lists come from Faker itself (:func:`mock_pipelines.core.vocab.faker_attr`); these
are the tables Faker lacks or that this project corrects."""

# The locales a schema or a profile may name. Stated here, where nothing is imported, so profile loading
# can check a locale without loading the generators.
SUPPORTED_LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP")

