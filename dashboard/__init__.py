"""The coordination centre's dashboard (看板), served by `fengqiao serve` beside the API."""
