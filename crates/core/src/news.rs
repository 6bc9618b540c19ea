//! Team news: what a team tells the people it works with, and who follows which team. A team's
//! members and the members of its first ring (the teams it has a declared relationship or a
//! commitment with, either way) follow it by default; anyone may follow any team, or stop.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::{Invalid, PersonId, PostId, TeamId};

/// A post as written: a title, a Markdown body, and whether it is a spotlight (news the team wants
/// the whole organisation to see, such as a new service or a win).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    pub title: String,
    /// Markdown; shown sanitised.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub spotlight: bool,
}

impl NewPost {
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut errors = Errors::default();
        self.title = self.title.trim().to_owned();
        self.body = self.body.trim().to_owned();
        if self.title.is_empty() || self.title.chars().count() > 160 {
            errors.add("title", "give the post a title of up to 160 characters");
        }
        errors.check("title", crate::text::check(&self.title));
        if self.body.chars().count() > 20_000 {
            errors.add("body", "write up to 20,000 characters");
        }
        errors.check("body", crate::text::check(&self.body));
        errors.finish()?;
        Ok(self)
    }
}

/// The largest image a post may carry.
pub const MAX_IMAGE_BYTES: usize = 1_000_000;

/// Checks a post's image: a PNG, JPEG, GIF or WebP (by its bytes, never the uploader's claim) of
/// up to 1 MB, with a description for people who cannot see it. Returns its content type and the
/// description, trimmed.
pub fn check_image(data: &[u8], alt: &str) -> Result<(String, String), Invalid> {
    let mut errors = Errors::default();
    let kind = crate::attachment::sniff(data);
    if data.is_empty() {
        errors.add("image", "choose an image");
    } else if data.len() > MAX_IMAGE_BYTES {
        errors.add("image", "choose an image of up to 1 MB");
    } else if !["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&kind.as_str()) {
        errors.add("image", "choose a PNG, JPEG, GIF or WebP image");
    }
    let alt = errors.check("image_alt", check_alt(alt).map_err(|e| e.0[0].message.clone()));
    errors.finish()?;
    Ok((kind, alt.unwrap_or_default()))
}

/// Checks an image's description: one line of up to 200 characters.
pub fn check_alt(alt: &str) -> Result<String, Invalid> {
    let alt = alt.trim();
    if alt.is_empty() || alt.chars().count() > 200 || alt.contains('\n') {
        return Err(Invalid::one(
            "image_alt",
            "describe the image in one line of up to 200 characters, for people who cannot see it",
        ));
    }
    crate::text::check(alt).map_err(|e| Invalid::one("image_alt", e))?;
    Ok(alt.to_owned())
}

/// A post as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Post {
    pub id: PostId,
    pub team_id: TeamId,
    pub team_key: String,
    pub team_name: String,
    pub author_id: PersonId,
    pub author_name: String,
    pub title: String,
    /// Markdown as written.
    pub body: String,
    pub spotlight: bool,
    /// The description of its image, when it has one (at `/api/v1/news/{id}/image`).
    pub image_alt: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which posts a news page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsFilter {
    /// One team's posts.
    pub team: Option<TeamId>,
    /// Only from the teams the reader follows ("teams I work with").
    pub followed: bool,
    pub spotlights: bool,
}

/// Why a person follows a team, or that they do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Following {
    /// They are in the team.
    Member,
    /// Their team is a customer or supplier of it.
    Partner,
    /// They chose to follow it.
    Chosen,
    /// They chose to stop, or were never in its ring.
    No,
}

impl Following {
    /// From the person's own choice (if any) and whether they follow by default.
    pub fn of(choice: Option<bool>, member: bool, partner: bool) -> Self {
        match (choice, member, partner) {
            (Some(false), _, _) => Self::No,
            (_, true, _) => Self::Member,
            (_, _, true) => Self::Partner,
            (Some(true), _, _) => Self::Chosen,
            (None, false, false) => Self::No,
        }
    }

    pub fn follows(self) -> bool {
        self != Self::No
    }

    /// Why, in words for the follow button's neighbour.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Member => "You follow your own team.",
            Self::Partner => "You follow it because your team works with it.",
            Self::Chosen => "You follow it.",
            Self::No => "Follow it to see its news among the teams you work with.",
        }
    }
}

/// A team a person follows, or stopped following.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamFollow {
    pub team_key: String,
    pub team_name: String,
    pub following: Following,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_checked_whole() {
        let err = NewPost { title: " ".into(), body: "x".repeat(20_001), spotlight: false }.check().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
        let ok = NewPost { title: "  New laptops  ".into(), body: " **Faster** ".into(), spotlight: true }.check();
        assert_eq!(ok.map(|p| (p.title, p.body)), Ok(("New laptops".into(), "**Faster**".into())));
        assert!(NewPost { title: "a\u{7}b".into(), ..NewPost::default() }.check().is_err());
    }

    #[test]
    fn images_are_checked_by_their_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
        assert_eq!(check_image(&png, " The new desk "), Ok(("image/png".to_owned(), "The new desk".to_owned())));
        let fields = |r: Result<(String, String), Invalid>| -> Vec<String> {
            r.map_or_else(|e| e.0.into_iter().map(|e| e.field).collect(), |_| Vec::new())
        };
        assert_eq!(fields(check_image(b"<svg onload=alert(1)>", "x")), ["image"]);
        assert_eq!(fields(check_image(&png, " ")), ["image_alt"]);
        assert_eq!(fields(check_image(&vec![0u8; MAX_IMAGE_BYTES + 1], "big")), ["image"]);
    }

    #[test]
    fn a_choice_to_stop_beats_every_default() {
        assert_eq!(Following::of(None, true, true), Following::Member);
        assert_eq!(Following::of(None, false, true), Following::Partner);
        assert_eq!(Following::of(Some(false), true, true), Following::No);
        assert_eq!(Following::of(Some(true), false, false), Following::Chosen);
        assert_eq!(Following::of(Some(true), false, true), Following::Partner);
        assert!(!Following::of(None, false, false).follows());
    }
}
