"""The requester's side of jit, pure: what I may request (``catalogue``), a request file
written safely from flags (``draft``), and where my grants and requests stand (``standing``).
The command runners in ``jit.commands`` read the files and talk to GitHub and git."""
