"""DASH RIC and RADAR risk reviews as versioned, loadable templates (DOMAIN.md "Risk reviews").
Models land with the risk review issue."""
