"""Telephone numbering per locale: mobile (MSISDN) templates, country calling codes and trunk area-code
templates."""

# Mobile numbers as E.164 digit templates (# any digit, $ 2-9); other locales use Faker's msisdn_formats.
MSISDN = {
    "en_US": ["1$##$######"],
    "de_DE": ["49151########", "49152########", "49160#######", "49170#######", "49171########",
              "49176########"],
    "fr_FR": ["336########", "337########"],
    "ja_JP": ["8170########", "8180########", "8190########"],
}

# International dialling code of each supported locale's country.
CALLING = {"en_US": "+1", "de_DE": "+49", "fr_FR": "+33", "ja_JP": "+81"}

# Trunk area-code templates (0 then 1-5 digits) for places without a real area code; others draw '%##'.
AREA_TEMPLATES = {"de_DE": ["0%#", "0%##", "0%###", "0%####"], "ja_JP": ["0%", "0%#", "0%##", "0%###"]}
