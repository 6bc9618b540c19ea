//! Team news and who follows which team. A post notifies its team's followers in the unit that
//! writes it; the news pages read the organisation's posts, one team's, or those of the teams the
//! reader follows.

use concentric_core::authz::Actor;
use concentric_core::news::{Following, NewPost, NewsFilter, Post, TeamFollow};
use concentric_core::notification::Notice as Said;
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::{PersonId, PostId, TeamId};
use serde_json::json;

use crate::db::{args, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct PostRow {
        id: i64,
        team_id: i64,
        team_key: String,
        team_name: String,
        author_id: i64,
        author_name: String,
        title: String,
        body: String,
        spotlight: bool,
        image_alt: Option<String>,
        created_at: i64,
        updated_at: i64,
    }
}

crate::db::row! {
    struct FollowRow {
        key: String,
        name: String,
        choice: Option<bool>,
        member: bool,
        partner: bool,
    }
}

const POST_SELECT: &str = "SELECT n.id, n.team_id, t.key AS team_key, t.name AS team_name, n.author_id, \
     p.name AS author_name, n.title, n.body, n.spotlight, i.alt AS image_alt, n.created_at, n.updated_at \
     FROM news_posts n JOIN teams t ON t.id = n.team_id JOIN people p ON p.id = n.author_id \
     LEFT JOIN news_images i ON i.post_id = n.id";

/// The teams in the first ring of the teams person `p` (a placeholder) is in: declared
/// relationships not declined, and active commitments, either way.
fn ring_of_teams_of(p: &str) -> String {
    format!(
        "SELECT r.customer_id AS team_id FROM relationships r \
           JOIN team_members m ON m.team_id = r.supplier_id WHERE m.person_id = {p} AND r.status <> 'declined' \
         UNION SELECT r.supplier_id FROM relationships r \
           JOIN team_members m ON m.team_id = r.customer_id WHERE m.person_id = {p} AND r.status <> 'declined' \
         UNION SELECT c.receiver_id FROM commitments c \
           JOIN team_members m ON m.team_id = c.provider_id WHERE m.person_id = {p} AND c.active \
         UNION SELECT c.provider_id FROM commitments c \
           JOIN team_members m ON m.team_id = c.receiver_id WHERE m.person_id = {p} AND c.active"
    )
}

/// The teams person `p` follows: their own, their teams' first ring, and those they chose, less
/// those they stopped following.
fn followed_by(p: &str) -> String {
    format!(
        "SELECT team_id FROM ( \
           SELECT team_id FROM team_members WHERE person_id = {p} \
           UNION {} \
           UNION SELECT team_id FROM team_follows WHERE person_id = {p} AND following \
         ) followed WHERE team_id NOT IN (SELECT team_id FROM team_follows WHERE person_id = {p} AND NOT following)",
        ring_of_teams_of(p)
    )
}

impl From<PostRow> for Post {
    fn from(r: PostRow) -> Self {
        Post {
            id: PostId(r.id),
            team_id: TeamId(r.team_id),
            team_key: r.team_key,
            team_name: r.team_name,
            author_id: PersonId(r.author_id),
            author_name: r.author_name,
            title: r.title,
            body: r.body,
            spotlight: r.spotlight,
            image_alt: r.image_alt,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
        }
    }
}

fn post_by_id(tx: &mut Tx, id: PostId) -> Result<Post> {
    let rows: Vec<PostRow> =
        tx.exec().all(&format!("{POST_SELECT} WHERE n.id = $1 AND n.removed_at IS NULL"), args![id.0])?;
    rows.into_iter().next().map(Post::from).ok_or(StoreError::NotFound("post"))
}

/// A post the actor may change or remove: its author, the team's leads, admins.
fn changeable_post(tx: &mut Tx, actor: &Actor, id: PostId, action: &'static str) -> Result<Post> {
    let post = post_by_id(tx, id)?;
    if !actor.can_change_post(post.author_id, post.team_id) {
        return Err(concentric_core::authz::Forbidden(action).into());
    }
    Ok(post)
}

/// Writes a checked post, as of `at`.
pub(crate) fn insert_post(tx: &mut Tx, team: TeamId, author: PersonId, new: &NewPost, at: Millis) -> Result<PostId> {
    let id: i64 = tx.exec().insert_id(
        "INSERT INTO news_posts (team_id, author_id, title, body, spotlight, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        args![team.0, author.0, &new.title, &new.body, new.spotlight, at.0],
    )?;
    Ok(PostId(id))
}

/// Gives a post its checked image, replacing any it had.
pub(crate) fn insert_image(
    tx: &mut Tx,
    id: PostId,
    content_type: &str,
    alt: &str,
    data: Vec<u8>,
    at: Millis,
) -> Result<()> {
    tx.exec().execute("DELETE FROM news_images WHERE post_id = $1", args![id])?;
    tx.exec().execute(
        "INSERT INTO news_images (post_id, content_type, alt, data, created_at) VALUES ($1, $2, $3, $4, $5)",
        args![id, content_type, alt, data, at.0],
    )?;
    Ok(())
}

/// The active people who follow `team`: its members and the members of its first ring, and those
/// who chose to follow it, less those who chose not to.
fn followers(tx: &mut Tx, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = tx.exec().scalars(
        "SELECT p.id FROM people p WHERE p.active AND p.id IN ( \
           SELECT person_id FROM team_members WHERE team_id = $1 \
           UNION SELECT m.person_id FROM team_members m JOIN relationships r \
             ON (r.supplier_id = $1 AND m.team_id = r.customer_id) OR (r.customer_id = $1 AND m.team_id = r.supplier_id) \
             WHERE r.status <> 'declined' \
           UNION SELECT m.person_id FROM team_members m JOIN commitments c \
             ON (c.provider_id = $1 AND m.team_id = c.receiver_id) OR (c.receiver_id = $1 AND m.team_id = c.provider_id) \
             WHERE c.active \
           UNION SELECT person_id FROM team_follows WHERE team_id = $1 AND following \
         ) AND p.id NOT IN (SELECT person_id FROM team_follows WHERE team_id = $1 AND NOT following) \
         ORDER BY p.id",
        args![team.0],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

impl Store {
    /// Posts news for a team (its members and admins) and tells its followers.
    #[tracing::instrument(skip_all)]
    pub async fn post_news(&self, actor: &Actor, team: TeamId, new: NewPost) -> Result<Post> {
        let (actor, new) = (actor.clone(), new.check()?);
        actor.require_works_in(team, "post news for this team: its members may")?;
        let author = actor.person_id.ok_or(StoreError::Forbidden(concentric_core::authz::Forbidden(
            "post news without being a person in the directory",
        )))?;
        self.db
            .write(move |mut tx| {
                let id = insert_post(&mut tx, team, author, &new, Millis::now())?;
                let post = post_by_id(&mut tx, id)?;
                let id = id.0;
                record(&mut tx, &actor, "team", team.0, "news_posted", json!({ "post": id, "title": post.title }))?;
                let said = Said::TeamNews {
                    post: id,
                    team: post.team_name.clone(),
                    title: post.title.clone(),
                    spotlight: post.spotlight,
                };
                let readers = followers(&mut tx, team)?;
                notify(&mut tx, &actor, &[Notice::new(said, id).to(&readers)])?;
                Ok(post)
            })
            .await
    }

    /// Changes a post (its author, the team's leads, admins).
    #[tracing::instrument(skip_all)]
    pub async fn edit_news(&self, actor: &Actor, id: PostId, new: NewPost) -> Result<Post> {
        let (actor, new) = (actor.clone(), new.check()?);
        self.db
            .write(move |mut tx| {
                let post =
                    changeable_post(&mut tx, &actor, id, "change this post: its author and the team's leads may")?;
                tx.exec().execute(
                    "UPDATE news_posts SET title = $1, body = $2, spotlight = $3, updated_at = $4 WHERE id = $5",
                    args![&new.title, &new.body, new.spotlight, Millis::now().0, id.0],
                )?;
                record(
                    &mut tx,
                    &actor,
                    "team",
                    post.team_id.0,
                    "news_edited",
                    json!({ "post": id.0, "title": new.title }),
                )?;
                post_by_id(&mut tx, id)
            })
            .await
    }

    /// Removes a post from every news page (its author, the team's leads, admins).
    #[tracing::instrument(skip_all)]
    pub async fn remove_news(&self, actor: &Actor, id: PostId) -> Result<()> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let post =
                    changeable_post(&mut tx, &actor, id, "remove this post: its author and the team's leads may")?;
                tx.exec()
                    .execute("UPDATE news_posts SET removed_at = $1 WHERE id = $2", args![Millis::now().0, id.0])?;
                record(
                    &mut tx,
                    &actor,
                    "team",
                    post.team_id.0,
                    "news_removed",
                    json!({ "post": id.0, "title": post.title }),
                )?;
                Ok(())
            })
            .await
    }

    /// Gives a post its image, or replaces it; with no data, changes only what the present image
    /// is said to show (its author, the team's leads, admins).
    #[tracing::instrument(skip_all)]
    pub async fn set_news_image(&self, actor: &Actor, id: PostId, data: Option<Vec<u8>>, alt: &str) -> Result<Post> {
        let image = match data {
            Some(data) => {
                let (content_type, alt) = concentric_core::news::check_image(&data, alt)?;
                Some((content_type, alt, data))
            }
            None => None,
        };
        let alt = concentric_core::news::check_alt(alt)?;
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let post =
                    changeable_post(&mut tx, &actor, id, "change this post: its author and the team's leads may")?;
                match image {
                    Some((content_type, alt, data)) => {
                        insert_image(&mut tx, id, &content_type, &alt, data, Millis::now())?
                    }
                    None => {
                        let n =
                            tx.exec().execute("UPDATE news_images SET alt = $1 WHERE post_id = $2", args![&alt, id])?;
                        if n == 0 {
                            return Err(StoreError::NotFound("image"));
                        }
                    }
                }
                record(&mut tx, &actor, "team", post.team_id.0, "news_image", json!({ "post": id.0 }))?;
                post_by_id(&mut tx, id)
            })
            .await
    }

    /// Takes a post's image away (its author, the team's leads, admins).
    #[tracing::instrument(skip_all)]
    pub async fn remove_news_image(&self, actor: &Actor, id: PostId) -> Result<Post> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                changeable_post(&mut tx, &actor, id, "change this post: its author and the team's leads may")?;
                tx.exec().execute("DELETE FROM news_images WHERE post_id = $1", args![id])?;
                post_by_id(&mut tx, id)
            })
            .await
    }

    /// A post's image: its content type and bytes.
    #[tracing::instrument(skip_all)]
    pub async fn news_image(&self, id: PostId) -> Result<(String, Vec<u8>)> {
        self.db
            .read(move |mut tx| {
                let row: Option<(String, Vec<u8>)> = tx.exec().optional(
                    "SELECT i.content_type, i.data FROM news_images i JOIN news_posts n ON n.id = i.post_id \
                     WHERE i.post_id = $1 AND n.removed_at IS NULL",
                    args![id],
                )?;
                row.ok_or(StoreError::NotFound("image"))
            })
            .await
    }

    /// One post; news is the whole organisation's to read.
    #[tracing::instrument(skip_all)]
    pub async fn news_post(&self, id: PostId) -> Result<Post> {
        self.db.read(move |mut tx| post_by_id(&mut tx, id)).await
    }

    /// Posts, newest first: everyone's, one team's, the teams the reader follows, spotlights.
    #[tracing::instrument(skip_all)]
    pub async fn news(&self, actor: &Actor, filter: NewsFilter, page: PageRequest) -> Result<Page<Post>> {
        let reader = actor.person_id.map_or(0, |p| p.0);
        self.db
            .read(move |mut tx| {
                let mut conds = vec![String::from("n.removed_at IS NULL")];
                let mut params = Vec::new();
                if let Some(team) = filter.team {
                    params.extend(args![team.0]);
                    conds.push(format!("n.team_id = ${}", params.len()));
                }
                if filter.followed {
                    params.extend(args![reader]);
                    conds.push(format!("n.team_id IN ({})", followed_by(&format!("${}", params.len()))));
                }
                if filter.spotlights {
                    conds.push(String::from("n.spotlight"));
                }
                let clause = conds.join(" AND ");
                let total: i64 =
                    tx.exec().scalar(&format!("SELECT COUNT(*) FROM news_posts n WHERE {clause}"), params.clone())?;
                let (limit, offset) = (params.len() + 1, params.len() + 2);
                params.extend(args![page.limit(), page.offset()]);
                let rows: Vec<PostRow> = tx.exec().all(
                    &format!(
                        "{POST_SELECT} WHERE {clause} ORDER BY n.created_at DESC, n.id DESC LIMIT ${limit} OFFSET ${offset}"
                    ),
                    params,
                )?;
                Ok(Page::new(rows.into_iter().map(Post::from).collect(), u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Whether, and why, the actor follows `team`.
    #[tracing::instrument(skip_all)]
    pub async fn following(&self, actor: &Actor, team: TeamId) -> Result<Following> {
        let follows = self.follows(actor, Some(team)).await?;
        Ok(follows.first().map_or(Following::No, |f| f.following))
    }

    /// The teams the actor follows, by name (or only `team`'s line, followed or not).
    #[tracing::instrument(skip_all)]
    pub async fn follows(&self, actor: &Actor, team: Option<TeamId>) -> Result<Vec<TeamFollow>> {
        let reader = actor.person_id.map_or(0, |p| p.0);
        self.db
            .read(move |mut tx| {
                let mut params = args![reader];
                let only = match team {
                    Some(t) => {
                        params.extend(args![t.0]);
                        "AND t.id = $2"
                    }
                    None => "",
                };
                let rows: Vec<FollowRow> = tx.exec().all(
                    &format!(
                        "SELECT t.key, t.name, f.following AS choice, \
                         EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.person_id = $1) AS member, \
                         t.id IN ({}) AS partner \
                         FROM teams t LEFT JOIN team_follows f ON f.team_id = t.id AND f.person_id = $1 \
                         WHERE t.active {only} ORDER BY t.name, t.id",
                        ring_of_teams_of("$1")
                    ),
                    params,
                )?;
                Ok(rows
                    .into_iter()
                    .map(|r| TeamFollow {
                        team_key: r.key,
                        team_name: r.name,
                        following: Following::of(r.choice, r.member, r.partner),
                    })
                    .filter(|f| team.is_some() || f.following.follows())
                    .collect())
            })
            .await
    }

    /// Records the actor's choice to follow `team` or not.
    #[tracing::instrument(skip_all)]
    pub async fn set_following(&self, actor: &Actor, team: TeamId, follow: bool) -> Result<Following> {
        let person = actor.person_id.ok_or(StoreError::Forbidden(concentric_core::authz::Forbidden(
            "follow teams without being a person in the directory",
        )))?;
        self.db
            .write(move |mut tx| {
                let exists: i64 =
                    tx.exec().scalar("SELECT COUNT(*) FROM teams WHERE id = $1 AND active", args![team.0])?;
                if exists == 0 {
                    return Err(StoreError::NotFound("team"));
                }
                tx.exec().execute(
                    "DELETE FROM team_follows WHERE person_id = $1 AND team_id = $2",
                    args![person.0, team.0],
                )?;
                tx.exec().execute(
                    "INSERT INTO team_follows (person_id, team_id, following, changed_at) VALUES ($1, $2, $3, $4)",
                    args![person.0, team.0, follow, Millis::now().0],
                )?;
                Ok(())
            })
            .await?;
        self.following(actor, team).await
    }
}
