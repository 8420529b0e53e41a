"""The process engine: BPMN models checked, compiled, deployed and configured; instances loaded, stepped and stored.

The only package that imports SpiffWorkflow."""
