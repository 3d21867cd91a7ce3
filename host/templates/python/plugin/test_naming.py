import unittest

from naming import release_name


class ReleaseNames(unittest.TestCase):
    def test_release_names_are_versions_and_never_leave_releases(self):
        self.assertEqual(release_name("v1.2"), "v1.2")
        for bad in ["", "..", "../v1", "a/b", ".hidden", "v1\n"]:
            with self.assertRaises(ValueError, msg=bad):
                release_name(bad)


if __name__ == "__main__":
    unittest.main()
