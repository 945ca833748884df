"""The sans-IO core: parsers that keep their state between pieces of input and never do I/O."""
