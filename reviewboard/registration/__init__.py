"""Registration duties as data (TC260 filing, EU AI Act registration and notification) and the filings
that discharge them."""
