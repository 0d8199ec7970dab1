"""The RCRP Toolkit policies app. Kept empty so that importing policies.flow loads no Django."""
