-- Rows for the shop of shop.sql, so `--profile-data` has something to measure (docs/import.md).
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
INSERT INTO categories SELECT i, CASE WHEN i > 3 THEN 1 + i % 3 END, 'Category ' || i FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO customers
SELECT i, 'customer' || i || '@example.com', 'First' || i, 'Last' || i, 'US',
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'Springfield' END,
       CASE i % 10 WHEN 0 THEN 'pro' WHEN 1 THEN 'plus' WHEN 2 THEN 'plus' ELSE 'basic' END,
       datetime('2023-01-01', '+' || (i * 7) || ' hours')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO products SELECT i, 'SKU-' || (10000 + i), 'Product ' || i, 1 + i % 12, 5 + (i * 37) % 200 FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
INSERT INTO orders
SELECT i, 1 + (i * 7) % 300, datetime('2024-01-01', '+' || (i * 5) || ' hours'),
       CASE WHEN i % 5 = 0 THEN NULL ELSE datetime('2024-01-03', '+' || (i * 5) || ' hours') END,
       CASE WHEN i % 5 = 0 THEN 'placed' WHEN i % 23 = 0 THEN 'returned' ELSE 'shipped' END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3600)
INSERT INTO order_items
SELECT 1 + (i - 1) / 3, 1 + (i - 1) % 3, 1 + (i * 11) % 60, 1 + i % 4 FROM n WHERE (i - 1) % 3 < 1 + (i / 3) % 3;
