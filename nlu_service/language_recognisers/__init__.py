"""Language recognisers: named handles on a shipped language-identification model file."""
