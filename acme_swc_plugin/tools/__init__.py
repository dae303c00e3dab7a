"""Operator tools behind `acme-swc demo` and `acme-swc status`.

- `onem2m`: a small oneM2M-over-HTTP client (JSON, TS-0009 binding);
- `children`: ACME CSEs run as child processes, stopped by PID;
- `package_server`: a demo package and the local HTTP server that serves it;
- `demo`: the scenario of `acme-swc demo`;
- `status`: reading campaigns for `acme-swc status`;
- `view`: how both commands show campaigns (rich tables and progress bars).

Nothing here is loaded into ACME; these run in the command's own process.
"""
