"""Loyalty card numbers for mock_pipelines: the worked example of docs/plugins.md.

``loyalty_cards.generators`` registers the ``loyalty_card`` generator (entry point group
``mock_pipelines.generators``); ``loyalty_cards.expectations`` defines the Great Expectations expectation
``ExpectColumnValuesToBeLoyaltyCards`` (group ``mock_pipelines.expectations``). This package file imports
neither, so finding the plugin costs nothing.
"""
