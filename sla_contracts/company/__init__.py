"""The company's view (issue 14): what each end-customer criterion is moved by, where silos
remain, the monthly report for leadership. It reads every feature below it (reviews' causes of
misses and surveys, readings, charters, the directory) and nothing imports it but the entry
points."""
