-- A post's image, apart from the post so that news lists never read it. Its type was decided from
-- its bytes; the description is for people who cannot see it.
CREATE TABLE news_images (
    post_id BIGINT PRIMARY KEY REFERENCES news_posts (id),
    content_type TEXT NOT NULL,
    alt TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
