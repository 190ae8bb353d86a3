"""One Blueprint per capability; function_app registers those named by AURA_CAPABILITIES."""
