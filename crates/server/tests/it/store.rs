//! Store contract tests that hold on both backends.

use concentric_core::authz::Actor;
use concentric_core::page::PageRequest;
use concentric_core::person::{NewPerson, PersonQuery};
use concentric_core::team::TeamQuery;

use crate::both;

both!(demo_loads_once, |t| {
    let org = concentric_core::demo::organisation();
    assert!(t.store.load_demo(&org, &[]).await.unwrap());
    assert!(!t.store.load_demo(&org, &[]).await.unwrap(), "second load changes nothing");
    let people = t.store.list_people(&PersonQuery::default(), PageRequest::first(1)).await.unwrap();
    let teams = t.store.list_teams(&TeamQuery::default(), PageRequest::first(1)).await.unwrap();
    assert_eq!((people.total as usize, teams.total as usize), (org.people.len(), org.teams.len()));
    let pay = t.store.team_by_key("PAY").await.unwrap();
    assert_eq!(pay.parent_key.as_deref(), Some("FIN"));
    assert!(t.store.team_members(pay.id).await.unwrap().len() >= 3);
    assert!(t.store.admin_exists().await.unwrap());
});

both!(the_whole_demo_loads_once_on_either_backend, |t| {
    let window = 7 * 86_400_000;
    concentric_server::demo::load(&t.store, window).await.unwrap();
    let (a, b) = (crate::harness::scratch_file("demo-a.db"), crate::harness::scratch_file("demo-b.db"));
    let first = t.store.backup_to(&a).await.unwrap();
    let rows = |table: &str| first.iter().find(|r| r.table == table).map_or(0, |r| r.rows);
    assert!(rows("requests") > 100 && rows("ratings") > 0 && rows("survey_rounds") > 0, "{first:?}");
    assert_eq!((rows("mail_routes"), rows("webhooks")), (1, 1));
    assert!(rows("time_off") >= 3);
    assert_eq!(
        usize::try_from(rows("news_posts")).unwrap(),
        concentric_core::demo::news(&concentric_core::demo::organisation()).len()
    );
    assert_eq!(usize::try_from(rows("meetings")).unwrap(), concentric_core::demo::meetings().len());
    assert!(rows("meeting_rsvps") >= 10 && rows("meeting_questions") == 2, "{first:?}");
    let thanks = concentric_core::demo::thanks(&concentric_core::demo::organisation()).len();
    assert_eq!((usize::try_from(rows("thanks")).unwrap(), thanks), (9, 9));
    assert_eq!((rows("placements"), rows("placement_actions")), (2, 1));
    let it = t.store.team_by_key("IT").await.unwrap();
    let now = chrono::Utc::now();
    let plan = t.store.team_forecast(&Actor::system(), it.id, now).await.unwrap();
    assert!(plan.items.iter().any(|i| i.finish.is_some()), "the forecast has something to say");
    concentric_server::demo::load(&t.store, window).await.unwrap();
    let second = t.store.backup_to(&b).await.unwrap();
    let _ = (std::fs::remove_file(a), std::fs::remove_file(b));
    assert_eq!(first, second, "a second load changes nothing");
});

both!(writes_check_permission_in_the_store, |t| {
    let nobody = Actor { person_id: None, is_admin: false, teams: vec![], address: None };
    let err = t.store.create_person(&nobody, NewPerson::test("x@example.com")).await.unwrap_err();
    assert!(matches!(err, concentric_store::StoreError::Forbidden(_)), "{err:?}");
    let system = Actor::system();
    let p = t.store.create_person(&system, NewPerson::test("x@example.com")).await.unwrap();
    assert!(t.store.set_person_active(&nobody, p.id, false).await.is_err());
    assert!(t.store.person(p.id).await.unwrap().active);
});

both!(unicode_and_case_survive_both_backends, |t| {
    let system = Actor::system();
    let new = NewPerson { name: "Zoë Ünal-Ñúñez 李".into(), ..NewPerson::test("ZOE@Example.com") };
    let p = t.store.create_person(&system, new).await.unwrap();
    assert_eq!(p.email, "zoe@example.com");
    assert_eq!(p.name, "Zoë Ünal-Ñúñez 李");
    let found = t
        .store
        .list_people(&PersonQuery { q: Some("zoë".into()), ..Default::default() }, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
});
