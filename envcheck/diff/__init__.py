"""`envcheck diff`: two sides (hosts, groups, inventories or run directories) turned into
items (envcheck.snapshot.items), paired (by group and order, or by a map), compared area by
area with the rules of what is expected to differ (ignore.yml and the user's), rendered as a
table, JSON, Markdown or an HTML section the report can include."""
