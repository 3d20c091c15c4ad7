"""Model files kept once by content, and their lifecycle: retention policy, report and gc (issues #18, #19)."""
