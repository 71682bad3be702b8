"""Public-disclosure reports (`skillfund disclose`): 公示 lists, fund use, statutory reports."""
