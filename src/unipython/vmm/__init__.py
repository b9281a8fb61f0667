"""Virtual machine monitors that boot unipython images."""
