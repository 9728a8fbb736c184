/* The portal and landing pages: behaviour on data-* attributes (docs/ui.md). */
