"""Request parameters by seam: parse primitives, the language chooser, content negotiation, and
one module per endpoint family holding its parameter declarations and frozen dataclass. The
declarations several endpoints share (Param, lang, f, bbox, the items') are in app.params."""
