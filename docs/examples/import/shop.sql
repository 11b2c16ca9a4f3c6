-- A small shop as it lives in SQLite: the input of the import examples in docs/import.md.
CREATE TABLE categories (
    category_id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES categories (category_id),
    name VARCHAR(40) NOT NULL UNIQUE
);

CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    email VARCHAR(120) NOT NULL UNIQUE,
    first_name VARCHAR(40) NOT NULL,
    last_name VARCHAR(40) NOT NULL,
    country_code CHAR(2) NOT NULL,
    city VARCHAR(20),
    tier VARCHAR(10) NOT NULL CHECK (tier IN ('basic', 'plus', 'pro')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE products (
    product_id INTEGER PRIMARY KEY,
    sku VARCHAR(12) NOT NULL UNIQUE,
    name VARCHAR(80) NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories (category_id),
    price NUMERIC(10, 2) NOT NULL CHECK (price > 0)
);

CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
    ordered_at TIMESTAMP NOT NULL,
    shipped_at TIMESTAMP,
    status VARCHAR(12) NOT NULL CHECK (status IN ('placed', 'shipped', 'returned')),
    CHECK (shipped_at >= ordered_at)
);

CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    PRIMARY KEY (order_id, line_no)
);
