//! The store conformance suite, run unchanged against SQLite and DynamoDB.
//! Test names read `sqlite::<case>` and `dynamodb::<case>`.

mod conformance;
mod support;

macro_rules! conformance {
    ($store:ident: $($case:ident),+ $(,)?) => {
        mod $store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::conformance::$case(crate::support::$store().await).await;
                }
            )+
        }
    };
}

macro_rules! both_stores {
    ($($case:ident),+ $(,)?) => {
        conformance!(sqlite: $($case),+);
        conformance!(dynamodb: $($case),+);
    };
}

both_stores!(
    ids_are_small_counters,
    concurrent_id_takes_never_collide,
    default_project_is_created_once,
    created_story_reads_back_as_written,
    test_checks_are_stored_and_read_back,
    parent_must_exist_in_the_same_project,
    tree_nests_children_once,
    projects_keep_their_stories_apart,
    a_project_larger_than_one_read_page_is_read_whole,
    update_changes_only_what_it_names,
    stale_version_is_refused_and_nothing_is_written,
    two_writers_with_one_version_exactly_one_wins,
    concurrent_updates_without_version_all_land,
    content_change_marks_tests_for_review,
    unchanged_update_keeps_the_version,
    moving_under_own_descendant_is_a_cycle,
    moving_to_another_project_is_refused,
    done_needs_children_done,
    done_needs_at_least_one_test,
    done_needs_every_test_passing,
    done_gate_looks_at_every_descendant,
    test_update_keeps_status_unless_named,
    tasks_belong_to_their_story,
    dependencies_show_at_both_ends,
    delete_removes_the_whole_subtree,
    stale_delete_is_refused,
    delete_past_one_hundred_items,
    interrupted_delete_hides_the_subtree_and_resumes,
    attach_after_delete_began_is_refused,
    failed_batch_writes_nothing,
    done_gate_holds_the_tests_it_read,
    failing_a_test_holds_the_story_it_read,
    done_gate_holds_the_descendants_it_read,
    racing_done_and_a_failing_test_never_both_land,
    done_gate_counts_a_test_created_after_it_read,
    done_gate_counts_a_child_created_after_it_read,
    a_done_story_keeps_its_work_finished,
    a_child_created_while_its_parent_is_deleted_is_never_an_orphan,
    racing_child_creates_and_a_delete_leave_no_orphan,
);
