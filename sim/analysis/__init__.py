"""Analysis of results: validation against history, sensitivity, scenario discovery."""
