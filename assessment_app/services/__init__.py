"""Operations on the database that carry out the domain rules; no request or response objects."""
